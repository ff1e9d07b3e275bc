export {
  createOrderActivities,
  type OrderActivities,
  type OrderSnapshot,
  type OrderStatus,
  type OrderRowView,
} from './activities';
